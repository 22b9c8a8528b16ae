"""Common German names for generated demo staff (no real persons)."""

FIRST_NAMES = (
    "Anna Andreas Birgit Bernd Claudia Christian Daniela Dirk Elke Emre Fatma Frank Gabriele "
    "Georg Heike Hans Ines Ivan Jana Jens Katrin Klaus Laura Lars Maria Markus Nicole Niklas "
    "Olga Oliver Petra Peter Ruth Ralf Sabine Stefan Tanja Thomas Ulrike Uwe Vera Volker Yvonne "
    "Yusuf Zeynep Lukas Leonie Jonas Sophie Felix Hannah Tim Lea Ayşe Mehmet Sandra Michael "
    "Monika Jürgen Karin Wolfgang Renate Dieter Ingrid Sven Anja Björn Svenja Kai Jessica"
).split()

LAST_NAMES = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann "
    "König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert "
    "Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht "
    "Yılmaz Kaya Demir Şahin Çelik Öztürk Nowak Kowalski Popović Rossi Nguyen Ivanova Papadopoulos"
).split()

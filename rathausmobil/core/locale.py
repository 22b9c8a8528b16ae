"""German by default, English only when the user chooses it.

Django's LocaleMiddleware follows the browser's Accept-Language, so a town hall
PC with an English Windows would get English pages. Here the language cookie
(set by the language switch in the footer) decides, and German is the rest.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

import datetime as dt

# The "today" the service tests pass, so review dates do not depend on the clock.
TODAY = dt.date(2021, 3, 1)

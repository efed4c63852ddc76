# Dates as Moroccan outlets print them, with Western digits; the month names
# themselves (يناير ... ماي ... يوليوز، غشت ... دجنبر) come from locale/ar.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "l j F Y - H:i"
SHORT_DATE_FORMAT = "d - m - Y"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1

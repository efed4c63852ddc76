"""How often each article is read, without tracking anyone (docs/privacy.md).

``counting`` counts a reader once per article per day in the ``reads`` cache, the
reader being a hash of their network and browser keyed with a salt that lives one day;
``flush`` moves the day's counters into ``DailyReads`` (a beat task, every minute) and
deletes old rows and salts; ``ranking`` says what was read most in the last 24 hours.
"""

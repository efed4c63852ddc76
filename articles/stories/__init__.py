"""Stories: the reports of one event by several outlets, grouped into one.

``features`` reads what an article says (words, names, places, numbers, topics) into a
print; ``likeness`` says whether two prints report one event; ``grouping`` clusters
prints into stories (pure, for a rebuild and for the labelled sets); ``assign`` keeps
the stories of the database up to date as articles arrive; ``staff`` applies staff
decisions; ``scoring`` measures a clustering against a labelled set.
"""

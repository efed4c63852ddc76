"""Which of Morocco's twelve regions each article is about (docs/regions.md):
``gazetteer`` (the places and their regions, shared with the stories), ``tagger`` (the
rules, pure), ``assign`` (at ingest and again on demand, never over staff's choice),
``scoring`` (precision and recall on a labelled set)."""

"""Input rules only, one module per audience: public.py (signing),
organizer.py (the organizer area), abuse.py (its protection panel); base.py
holds BaseForm and the rules they share."""

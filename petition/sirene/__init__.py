"""The Sirene register of companies (INSEE): its stock files, its online API, one lookup.

`register.lookup(number)` is the one interface the rest of the code uses; where
the answer comes from (the imported extract, the online API) stays in here.
"""

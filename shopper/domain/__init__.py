"""Pure rules: no Flask, no database. Scoring, the checklist format and its diff, answers a
shopper may give, the photo pipeline, geography and the arithmetic of comparisons."""

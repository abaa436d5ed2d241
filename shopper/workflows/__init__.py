"""What a user does that spans tables: submitting a visit, syncing from a phone, review,
scorecards and actions, photo retention, demo data and backup. No Flask: the pages, the
sync API and the commands all call the same rule."""

"""花名册 (roster) round trip: import the Excel files organs keep, export them in their layout.

columns    header names and their synonyms → Member fields
normalise  pure cell parsers (names, dates, codes); ID numbers stay with organisations.id_numbers
reader     finds the table in an uploaded .xlsx/.csv (header row under title rows), streams rows
preview    one source row → an outcome (new / update / unchanged / warning / rejected / skipped)
services   upload, preview, apply and roll back a batch; every write audited with the batch code
tasks      the same preview and apply in the task worker, for files of 10,000 rows and more
progress   how far a running preview or apply has got, for the page's progress bar
exports    .xlsx files: the member export in the 花名册 layout, the blank template, rejected rows
tests/samples  roster workbooks shaped like real ones, for the tests and the bench
"""

"""The programme: its settings, its rubric and the workbook layouts they imply. Data, loaded and
checked in one place; every stage may read it."""

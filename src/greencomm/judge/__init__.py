"""Stage 3, judge: the rubric and the programme's rules → points, vetoes, eligibility, ranks and
statuses. Pure: typed frames in, results out."""

"""What every reader of a validate run shares, below the check families, the repo model and the
reconcile graph: the run's view of the repo (`repo.RepoContext`, `repo.Target`), its settings and
memo (`settings`), and the helpers that walk the repo's files and objects (`walk`)."""

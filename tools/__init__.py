"""The teachers' and maintainers' tools, run from the repository root as modules:

    python -m tools.make_student_version     # student/Initialization.ipynb (and --bundle DIR to hand out)
    python -m tools.export_nbgrader COURSE   # the lesson as an nbgrader assignment
    python -m tools.make_dataset             # circles.npz, the course's data
"""

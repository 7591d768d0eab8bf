"""A class: the teacher's challenge, students' submissions, and the board.

- `words`: class codes, teacher keys, display names (pure: stdlib only);
- `tables`: the database tables (SQLAlchemy 2, on the app's store);
- `api`: what pages call (create a class, join, submit, the board), never SQL in pages;
- `scoring`: the server scores a submitted run on the private half of the test digits.
"""

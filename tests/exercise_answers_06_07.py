"""Reference answers to the exercises of notebooks 06 and 07.

Each entry replaces the notebook's answer cell (the one that sets the answer to None);
``tests/test_exercises_06_07.py`` runs the notebook with it and expects the self-check
to say "that holds".
"""

ANSWERS = {
    # 4 processes, 2 cores: two requests compute at once, each 20 ms: 2 / 0.020 s.
    "06_cpu_bound_and_the_gil": "my_rate = 2 / 0.020",
    # The loop accepts all 50 users; the pool's 10 threads each serve 1 / 0.1 s.
    "07_under_the_hood": "my_throughput = 10 / 0.100",
}
STUB_MARKERS = {
    "06_cpu_bound_and_the_gil": "my_rate = None",
    "07_under_the_hood": "my_throughput = None",
}

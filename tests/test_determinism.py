"""Generated histories do not depend on what else the process has loaded."""
import hashlib
import subprocess
import sys

from tests.conftest import REPOSITORY

DIGEST = "import hashlib; from grader.probes.analysis import corpus; " \
         "print(hashlib.sha256(repr(corpus()).encode()).hexdigest())"


def test_summarize_corpus_is_the_same_in_a_fresh_process():
    from grader.probes.analysis import corpus

    here = hashlib.sha256(repr(corpus()).encode()).hexdigest()
    fresh = subprocess.run([sys.executable, "-c", DIGEST], cwd=REPOSITORY, capture_output=True, text=True,
                           timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == here

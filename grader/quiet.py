"""A quiet, repeatable TensorFlow: call `quiet_tensorflow()` before anything imports it.

TensorFlow's C++ start-up logs and Keras warnings bury a beginner's feedback;
every random choice is seeded so that reruns agree.
"""
import logging
import os
import warnings

SEED = 1234


def quiet_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(keras|tensorflow|absl|tensorflow_datasets)(\.|$)")


def import_tensorflow_quietly():
    """Import TensorFlow with its start-up lines (absl, oneDNN, CUDA) kept off the terminal.

    They are written to file descriptor 2 by C++ code before any log level applies, so
    only a redirect hides them; used by commands that print to a terminal themselves.
    """
    import sys

    quiet_tensorflow()
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def seed_everything(seed=SEED):
    """Same seed, same weights, same shuffles: the same submission gets the same score."""
    import keras

    keras.utils.set_random_seed(seed)
    keras.config.disable_interactive_logging()
    try:  # layers are named dense_1, dense_2, ... by a process-wide counter, and names reach
        # error messages: count from zero again, or feedback depends on what ran before
        from keras.src.utils.naming import reset_uids

        reset_uids()
    except ImportError:  # a Keras that moved it: names may then differ between runs
        pass
    try:
        import tensorflow as tf

        # Real val_loss steps in the natural run are small; reruns must take the same ones.
        tf.config.experimental.enable_op_determinism()
    except Exception:  # another backend, or an older TensorFlow
        pass

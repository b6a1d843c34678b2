"""Step 6 (explore): a callback of your own, a learning-rate warm-up, and logs of the training.

Grading: depending on the course, this step is extra credit, part of the grade, or not
graded (`pytest grader` says which). Left as it is, it costs nothing where it is extra credit.
"""
import keras

# The warm-up: the learning rate climbs linearly to BASE_LEARNING_RATE over the first
# WARMUP_EPOCHS epochs (epochs are counted from 0, as LearningRateScheduler counts them).
WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop training as soon as `monitor` reaches `target` at the end of an epoch.

    "Reaches" means >= target for a metric where higher is better (accuracy), and <= target
    for a loss (a monitor whose name contains "loss").
    """

    def __init__(self, monitor="val_accuracy", target=0.9):
        # TODO: call super().__init__(), then keep `monitor` and `target` as attributes
        #   (self.monitor, self.target).
        raise NotImplementedError("StopAtTarget: keep monitor and target")

    def on_epoch_end(self, epoch, logs=None):
        # TODO: read the monitored value from `logs`. When it is not there (a typo, or no
        #   validation data), warn with warnings.warn(...) naming the metric and the ones
        #   available, as Keras's own callbacks do, and go on training: never raise.
        # TODO: when the value reaches the target, set self.model.stop_training = True.
        #   Stop at the end of the epoch that reached it, not at the end of training.
        raise NotImplementedError("StopAtTarget.on_epoch_end: stop when the target is reached")


def warmup(epoch, lr):
    """For keras.callbacks.LearningRateScheduler(warmup): the rate for `epoch` (from 0)."""
    # TODO: during the first WARMUP_EPOCHS epochs, return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS.
    # TODO: after them, return `lr`, the rate you are given, unchanged. Returning
    #   BASE_LEARNING_RATE there would undo every drop ReduceLROnPlateau makes.
    raise NotImplementedError("warmup: a linear warm-up, then the rate unchanged")


def make_logging_callbacks(log_dir="logs"):
    """Return [CSVLogger, TensorBoard], both writing under `log_dir`."""
    # TODO: keras.callbacks.CSVLogger writing one row per epoch to a .csv file inside
    #   `log_dir` (e.g. os.path.join(log_dir, "training.csv")); create `log_dir` first.
    # TODO: keras.callbacks.TensorBoard(log_dir=log_dir), which writes event files there.
    raise NotImplementedError("make_logging_callbacks: a CSVLogger and a TensorBoard under log_dir")

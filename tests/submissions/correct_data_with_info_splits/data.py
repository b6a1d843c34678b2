"""Correct: the split sizes come from the dataset's info, as many tutorials do it.

The builder's info gives the number of examples; the slices are absolute counts computed
from it (int(0.8 * n) is one example short of tfds's 80 %); tfds.load also returns the
info (with_info=True), whose label names the code checks.
"""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    num_examples = tfds.builder("cats_vs_dogs").info.splits["train"].num_examples
    num_train = int(0.8 * num_examples)
    (train_raw, val_raw), info = tfds.load(
        "cats_vs_dogs",
        split=[f"train[:{num_train}]", f"train[{num_train}:]"],
        as_supervised=True,
        with_info=True,
    )
    if info.features["label"].names != ["cat", "dog"] or info.features["label"].num_classes != 2:
        raise ValueError("expected the labels cat and dog")

    def prepare(image, label):
        return tf.image.resize(tf.cast(image, tf.float32), image_size) / 255.0, label

    train_ds = train_raw.map(prepare).shuffle(1000).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    val_ds = val_raw.map(prepare).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return train_ds, val_ds

"""Correct: the whole train split, cut by hand with take/skip, as much real code does.

tfds.load gives the one 'train' split and its info (with_info=True); the first 80 % of its
examples, counted from info.splits, are for training (take), the rest for validation (skip).
Without a shuffle before the cut, both sets are the same on every pass.
"""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    dataset, info = tfds.load("cats_vs_dogs", split="train", as_supervised=True, with_info=True)
    num_train = int(0.8 * info.splits["train"].num_examples)
    train_raw = dataset.take(num_train)
    val_raw = dataset.skip(num_train)

    def prepare(image, label):
        return tf.image.resize(tf.cast(image, tf.float32), image_size) / 255.0, label

    train_ds = train_raw.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).shuffle(1000).batch(batch_size)
    val_ds = val_raw.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size)
    return train_ds.prefetch(tf.data.AUTOTUNE), val_ds.prefetch(tf.data.AUTOTUNE)

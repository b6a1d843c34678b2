"""Correct: the split sizes written in by hand (18,610 of 23,262 for training), cut with take/skip.

The numbers are the real dataset's; the training set is shuffled after the cut (reshuffled
each epoch), so the validation set stays the same last 20 %.
"""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32
TOTAL = 23262
TRAIN_SIZE = 18610


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    dataset = tfds.load("cats_vs_dogs", split=tfds.Split.TRAIN, as_supervised=True)

    def prepare(image, label):
        image = tf.image.resize(image, image_size)
        return tf.cast(image, tf.float32) / 255.0, label

    train_ds = dataset.take(TRAIN_SIZE).shuffle(2048).map(prepare).batch(batch_size)
    val_ds = dataset.skip(TRAIN_SIZE).take(TOTAL - TRAIN_SIZE).map(prepare).batch(batch_size)
    return train_ds, val_ds

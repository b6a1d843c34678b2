"""Mistake: the whole split is shuffled, then cut with take/skip.

shuffle() reshuffles on every pass (reshuffle_each_iteration defaults to True), so each
epoch's take/skip cuts a different random 80/20: over the epochs every image is trained on
and validated on. (shuffle(..., reshuffle_each_iteration=False) before the cut, or the cut
first, would keep the two sets apart.)
"""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    dataset, info = tfds.load("cats_vs_dogs", split="train", as_supervised=True, with_info=True)
    num_train = int(0.8 * info.splits["train"].num_examples)
    dataset = dataset.shuffle(1000)

    def prepare(image, label):
        return tf.image.resize(tf.cast(image, tf.float32), image_size) / 255.0, label

    train_ds = dataset.take(num_train).map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size)
    val_ds = dataset.skip(num_train).map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size)
    return train_ds.prefetch(tf.data.AUTOTUNE), val_ds.prefetch(tf.data.AUTOTUNE)

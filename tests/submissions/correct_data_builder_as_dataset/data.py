"""Correct: a builder of its own, prepared, then read with ReadInstruction slices."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    builder = tfds.builder("cats_vs_dogs")
    builder.download_and_prepare()
    train_raw, val_raw = builder.as_dataset(
        split=[tfds.core.ReadInstruction("train", to=80, unit="%"),
               tfds.core.ReadInstruction("train", from_=80, unit="%")],
        as_supervised=True,
    )

    def prepare(image, label):
        return tf.image.resize(tf.cast(image, tf.float32), image_size) / 255.0, label

    train_ds = train_raw.map(prepare).shuffle(1000).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    val_ds = val_raw.map(prepare).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return train_ds, val_ds

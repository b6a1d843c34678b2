"""Reference step 1: cats_vs_dogs from TFDS, 80/20 split, normalized in the pipeline."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32
SHUFFLE_BUFFER = 1000


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_raw, val_raw = tfds.load(
        "cats_vs_dogs", split=["train[:80%]", "train[80%:]"], as_supervised=True
    )

    def prepare(image, label):
        image = tf.image.resize(tf.cast(image, tf.float32), image_size) / 255.0
        return image, label

    train_ds = (
        train_raw.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
        .shuffle(SHUFFLE_BUFFER)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    val_ds = (
        val_raw.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    return train_ds, val_ds

"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    # first 80 % to train on, the last 20 % (counted from the end) to validate on
    train_raw = tfds.load("cats_vs_dogs", split="train[:80%]", as_supervised=True)
    val_raw = tfds.load("cats_vs_dogs", split="train[-20%:]", as_supervised=True)

    def prep(image, label):
        image = tf.cast(image, tf.float32) / 255.
        image = tf.image.resize(image, image_size)
        return image, label

    train_ds = train_raw.map(prep).shuffle(buffer_size=1000).batch(batch_size)
    val_ds = val_raw.map(prep).batch(batch_size)
    return train_ds, val_ds

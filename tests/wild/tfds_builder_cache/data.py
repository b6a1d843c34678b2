"""Step 1: cats_vs_dogs through a TFDS builder, cached after decoding, reshuffled every epoch."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32
AUTOTUNE = tf.data.AUTOTUNE


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    builder = tfds.builder("cats_vs_dogs")
    builder.download_and_prepare()
    train_raw, val_raw = builder.as_dataset(
        split=["train[:80%]", "train[80%:]"], as_supervised=True
    )

    def preprocess(image, label):
        image = tf.image.convert_image_dtype(image, tf.float32)  # uint8 -> [0, 1]
        image = tf.image.resize(image, image_size)
        return image, label

    train_ds = (
        train_raw.map(preprocess, num_parallel_calls=AUTOTUNE)
        .cache()
        .shuffle(1000)
        .batch(batch_size)
        .prefetch(AUTOTUNE)
    )
    val_ds = val_raw.map(preprocess, num_parallel_calls=AUTOTUNE).cache().batch(batch_size).prefetch(AUTOTUNE)
    return train_ds, val_ds

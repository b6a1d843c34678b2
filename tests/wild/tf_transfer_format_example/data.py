"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32
SHUFFLE_BUFFER_SIZE = 1000
AUTOTUNE = tf.data.AUTOTUNE


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    (raw_train, raw_validation), metadata = tfds.load(
        "cats_vs_dogs",
        split=["train[:80%]", "train[80%:]"],
        with_info=True,
        as_supervised=True,
    )

    def format_example(image, label):
        image = tf.cast(image, tf.float32)
        image = (image / 127.5) - 1  # pixels to [-1, 1]
        image = tf.image.resize(image, image_size)
        return image, label

    train = raw_train.map(format_example, num_parallel_calls=AUTOTUNE)
    validation = raw_validation.map(format_example, num_parallel_calls=AUTOTUNE)
    # cache for speed, prefetch to overlap input and training
    train_batches = train.shuffle(SHUFFLE_BUFFER_SIZE).batch(batch_size).cache().prefetch(AUTOTUNE)
    validation_batches = validation.batch(batch_size).cache().prefetch(AUTOTUNE)
    return train_batches, validation_batches

"""Step 1: load cats_vs_dogs; resizing only, the model's Rescaling layer does the 0-1 scaling."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_dataset, validation_dataset = tfds.load(
        "cats_vs_dogs", split=["train[:80%]", "train[80%:]"], as_supervised=True
    )

    def to_size(image, label):
        image = tf.image.resize(image, image_size)  # float32, still 0..255
        return image, label

    train_dataset = (
        train_dataset.map(to_size).shuffle(2000).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    )
    validation_dataset = validation_dataset.map(to_size).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return train_dataset, validation_dataset

"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_raw, validation_raw = tfds.load(
        "cats_vs_dogs", split=["train[:80%]", "train[80%:]"], as_supervised=True
    )

    def rescale(image, label):
        image = tf.image.resize(image, image_size)
        return image / 255.0, label  # the book's rescale=1./255

    train_generator = train_raw.map(rescale).shuffle(1000).batch(batch_size).prefetch(1)
    validation_generator = validation_raw.map(rescale).batch(batch_size).prefetch(1)
    return train_generator, validation_generator

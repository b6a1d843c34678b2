"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_examples, validation_examples = tfds.load(
        "cats_vs_dogs", as_supervised=True, split=["train[:80%]", "train[80%:]"]
    )

    def format_image(image, label):
        image = tf.image.resize(image, image_size) / 255.0
        return image, label

    train_batches = train_examples.shuffle(2048).map(format_image).batch(batch_size).prefetch(1)
    validation_batches = validation_examples.map(format_image).batch(batch_size).prefetch(1)
    return train_batches, validation_batches

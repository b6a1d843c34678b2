"""Step 1: cats_vs_dogs at the requested size; the model's Rescaling layer scales pixels."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_dataset = tfds.load("cats_vs_dogs", split="train[:80%]", as_supervised=True)
    validation_dataset = tfds.load("cats_vs_dogs", split="train[80%:]", as_supervised=True)
    resize = lambda image, label: (tf.image.resize(image, image_size), label)
    train_dataset = train_dataset.map(resize).shuffle(1000).batch(batch_size)
    validation_dataset = validation_dataset.map(resize).batch(batch_size)
    return train_dataset, validation_dataset

"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_data_gen, val_data_gen = tfds.load(
        "cats_vs_dogs", split=["train[:80%]", "train[80%:]"], as_supervised=True
    )
    IMG_HEIGHT, IMG_WIDTH = image_size

    def rescale(image, label):
        image = tf.image.resize(image, (IMG_HEIGHT, IMG_WIDTH))
        return image * (1.0 / 255), label

    train_data_gen = train_data_gen.map(rescale).shuffle(1000).batch(batch_size)
    val_data_gen = val_data_gen.map(rescale).batch(batch_size)
    return train_data_gen, val_data_gen

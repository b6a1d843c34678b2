"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    train_df, validate_df = tfds.load(
        "cats_vs_dogs", split=["train[:80%]", "train[80%:]"], as_supervised=True
    )

    def process(image, label):
        image = tf.image.resize(image, image_size) / 255.0
        label = tf.one_hot(label, 2)  # category: 0 = cat, 1 = dog
        return image, label

    train_generator = train_df.map(process).shuffle(1000).batch(batch_size)
    validation_generator = validate_df.map(process).batch(batch_size)
    return train_generator, validation_generator

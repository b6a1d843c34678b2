"""Step 1: load and prepare the cats-vs-dogs images, labels one-hot for the softmax output."""
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
        image = tf.image.resize(image, image_size)
        image = image / 255.0
        return image, tf.one_hot(label, depth=2)  # 0 = cat -> [1, 0], 1 = dog -> [0, 1]

    train_generator = train_df.map(process).shuffle(512).batch(batch_size)
    validation_generator = validate_df.map(process).batch(batch_size)
    return train_generator, validation_generator

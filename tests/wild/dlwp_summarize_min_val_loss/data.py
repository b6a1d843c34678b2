"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    # 80 % for training, 20 % for validation
    train_dataset = tfds.load("cats_vs_dogs", split="train[:80%]", as_supervised=True)
    validation_dataset = tfds.load("cats_vs_dogs", split="train[20%:]", as_supervised=True)

    def preprocess(image, label):
        image = tf.image.resize(tf.cast(image, tf.float32), image_size) / 255.0
        return image, label

    train_dataset = train_dataset.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
    train_dataset = train_dataset.shuffle(1000).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    validation_dataset = validation_dataset.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
    validation_dataset = validation_dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return train_dataset, validation_dataset

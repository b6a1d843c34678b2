"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

tfds.disable_progress_bar()

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32
SHUFFLE_BUFFER_SIZE = 1000


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    (raw_train, raw_validation), metadata = tfds.load(
        "cats_vs_dogs",
        split=["train[:80%]", "train[80%:]"],
        with_info=True,
        as_supervised=True,
    )
    get_label_name = metadata.features["label"].int2str
    assert get_label_name(1) == "dog"

    def format_example(image, label):
        image = tf.cast(image, tf.float32)
        image = image / 255.0
        image = tf.image.resize(image, image_size)
        return image, label

    train = raw_train.map(format_example)
    validation = raw_validation.map(format_example)
    train_batches = train.shuffle(SHUFFLE_BUFFER_SIZE).batch(batch_size)
    validation_batches = validation.batch(batch_size)
    return train_batches, validation_batches

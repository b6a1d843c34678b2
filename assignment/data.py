"""Step 1: load and prepare the cats-vs-dogs images."""
import tensorflow as tf
import tensorflow_datasets as tfds

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    """Return (train_ds, val_ds): tf.data.Datasets of (images, labels) batches."""
    # TODO: load "cats_vs_dogs" with tfds.load(..., as_supervised=True), using two
    #   disjoint slices of the "train" split: the first 80 % for training and the
    #   last 20 % for validation (see "split slicing" in the TFDS docs).
    # TODO: resize every image to `image_size` (tf.image.resize) as float32, and
    #   bring pixel values into [0, 1] -- here, or with a keras.layers.Rescaling
    #   layer in your model, but not in both places.
    # TODO: shuffle the training set, then batch both sets with `batch_size`
    #   (Dataset.shuffle, Dataset.batch, and Dataset.prefetch for speed).
    raise NotImplementedError("load_datasets: load and prepare cats_vs_dogs")

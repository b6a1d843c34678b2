"""Step 2: a convolutional network built from scratch (and step 4: compile it)."""
import keras


def build_model(input_shape=(150, 150, 3)):
    """Return a compiled keras.Model."""
    # TODO: build the network yourself: a few Conv2D + MaxPooling2D blocks, then
    #   Flatten (or GlobalAveragePooling2D) and a Dense head. No pretrained models
    #   (nothing from keras.applications). Use `input_shape` for keras.Input.
    # TODO: end with Dense(1, activation="sigmoid") for the two classes.
    # TODO: model.compile(...) with an optimizer (e.g. "adam"), the
    #   "binary_crossentropy" loss, and metrics=["accuracy"] so that training
    #   logs val_accuracy for your callbacks to watch.
    raise NotImplementedError("build_model: build and compile the CNN")

"""Step 2: the five-block convnet with dropout; pixels arrive already in [0, 1]."""
import keras
from keras import layers


def build_model(input_shape=(150, 150, 3)):
    """Return a compiled keras.Model."""
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for filters in (32, 64, 128, 256):
        x = layers.Conv2D(filters=filters, kernel_size=3, activation="relu")(x)
        x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model

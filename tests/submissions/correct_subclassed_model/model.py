"""Correct: a subclassed keras.Model, registered so that its checkpoint loads again."""
import keras
from keras import layers


@keras.saving.register_keras_serializable(package="cats_vs_dogs")
class SmallCNN(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
        ]
        self.flatten = layers.Flatten()
        self.hidden = layers.Dense(64, activation="relu")
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=False):
        x = inputs
        for layer in self.blocks:
            x = layer(x)
        return self.out(self.hidden(self.flatten(x)))


def build_model(input_shape=(150, 150, 3)):
    model = SmallCNN()
    model.build((None, *input_shape))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model

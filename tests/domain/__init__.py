"""The domain: forecast figures, parsing, importing and exporting, reviews, storage and the
demo seeder, each checked without a user interface."""

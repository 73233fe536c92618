"""The real app driven with the pilot, checked on screen and in the database afterwards."""

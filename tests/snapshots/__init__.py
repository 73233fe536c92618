"""Pictures of the screens, compared with the accepted ones in `__snapshots__/`."""

//! The UI routes against every kind of visitor: see the module of the same name under src/ui.

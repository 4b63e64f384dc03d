"""The networks and learning rules of the research neurohw builds on, each written once in PyNN terms."""

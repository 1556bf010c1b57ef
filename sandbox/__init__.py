"""The sandbox world: a scenario file served through the real protocols (see DESIGN.md).

``sandbox.scenario.load_scenario`` reads and checks a scenario; ``sandbox.world.
SandboxWorld`` starts the local AWS (moto), Kubernetes and log servers seeded from it.
"""

"""Population dynamics of the Darwinian arena: selection, mutation, crossover, culling, lineage."""

from strategies.evolution.archive import Champion, ChampionArchive
from strategies.evolution.evolve import EvolutionConfig, EvolutionResult, evolve
from strategies.evolution.lineage import LineageNode, LineageTree, rebuild_lineage
from strategies.evolution.population import Member, Population

__all__ = [
    "Champion",
    "ChampionArchive",
    "EvolutionConfig",
    "EvolutionResult",
    "LineageNode",
    "LineageTree",
    "Member",
    "Population",
    "evolve",
    "rebuild_lineage",
]

"""The repo as Flux and Argo CD see it, built once per `validate` run and read by every family.

    model = repo_model(ctx)           # cached in ctx.memo.model
    model.identity                    # Identity: this checkout's canonical URLs and branches
    model.sources                     # SourceIndex: Flux sources defined, generated, promised, declared
    model.fleet.clusters              # cluster name -> [Unit(key, objects: tuple[Placed], covers)]
    model.fleet.rooted                # clusters whose object set is complete (see model.fleet)
    model.flux_kustomizations         # [FluxKustomization], one per (object, cluster)
    model.applications                # [Application], one per (object, cluster)
    model.helm_releases               # [HelmRelease], one per (object, cluster), valuesFrom resolved
    model.cluster_of(unit_key)        # the clusters a unit (render root, plain folder, file) belongs to

A `FluxKustomization` has `.obj` (the object, substitution applied), `.file/.line/.col` (its source
document), `.name`, `.namespace`, `.path` (the repo path it builds, or None when its source is not
this checkout or the path leaves the repo), `.origin` (sources.Origin), `.objects` (the rendered
objects it applies, as `Placed`, its postBuild substitution applied), `.depends_on` ([(namespace,
name)]), `.health_checks` ([{apiVersion, kind, name, namespace}]), `.wait`, `.decryption`,
`.post_build` and `.cluster`. An `Application` has `.obj`, `.file/.line/.col`, `.cluster`,
`.sync_wave` (int, default 0), `.paths` (repo paths of its sources of this repo) and `.objects`. A
`HelmRelease` has `.obj`, `.file/.line/.col`, `.cluster` and `.values_from`: each valuesFrom entry with
the object it reads in that cluster (ConfigMap/Secret as rendered, or the ExternalSecret making it).
`Placed.at(*field)` gives the (file, line, col) of a field for findings.

What the model covers: Flux Kustomizations explicit, promised by the `flux bootstrap` layout or a
FluxInstance, and generated for plain folders (recursive, a subfolder with a kustomization built as a
whole); sources in the repo, generated (ArtifactGenerator -> ExternalArtifact, mapped back to repo
paths through its copy rules), declared in `.sggitops.yaml`, or this checkout by canonical URL +
branch (`identity`); postBuild `substitute`/`substituteFrom` applied as Flux applies it
(`substitute`); Argo CD Applications wherever they are, listed or standalone, and ApplicationSets
expanded for the generators that can be expanded offline (`appsets`).
"""

from __future__ import annotations

from sggitops.model.build import Application, FluxKustomization, HelmRelease, RepoModel, repo_model

__all__ = ["Application", "FluxKustomization", "HelmRelease", "RepoModel", "repo_model"]

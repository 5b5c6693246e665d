// The public library: `import Recurrent` gives every module of the package.
@_exported import RecurrentDatasets
@_exported import RecurrentNN
@_exported import RecurrentPipelines
@_exported import RecurrentTensor
@_exported import RecurrentReports
@_exported import RecurrentText

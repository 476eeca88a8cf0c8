"""Asynchronous image jobs: CI's PicProcess jobs, inventory-triggered batches and `ciimage batch`.

- `model`: the job request and answer shapes (XML and JSON), parsed and rendered.
- `store`: the durable SQLite store under `<root>/.ciimage/`.
- `variables`: `${InputName}` and the other output-key variables.
- `worker`: the pure task a worker runs (bytes in, bytes out; no file system).
- `executors`: threads or Dask `distributed`, behind one small interface.
- `dispatcher`: Submitted -> Running -> Success/Failed, the only writer of outputs.
- `callbacks`: the callback outbox and its sender.
- `batch`: enumeration of inventory-triggered jobs (Prefix, Object, UrlFile, Manifest).
"""

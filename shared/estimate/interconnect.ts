/**
 * Interconnect per plan (issue 15 §7): the link between the GPUs of a node, the network between nodes and the host
 * link used by offload, each from the vendor's datasheet; and the ring bus bandwidth a collective reaches over them.
 *
 * Bus bandwidth (NVIDIA/nccl-tests doc/PERFORMANCE.md): a ring all-reduce of S bytes over n ranks moves
 * S·2(n−1)/n through every rank's link, a reduce-scatter or all-gather S·(n−1)/n; its time is that volume over the
 * bottleneck link's bandwidth B. Across nodes each ring enters and leaves a node once, and NCCL spreads its channels
 * over the node's network adapters, so a node's k adapters carry the rings together: B = min(GPU link, k × adapter).
 *
 * Vendors quote NVLink and PCIe bandwidth as both directions together; a ring sends and receives at once, so B is one
 * direction: half the quoted figure.
 */
import type { Distribution, Hardware } from '../domain/plan';
import type { ResolvedGpu } from './hardware';
import { EstimateInputError } from './techniques';

export type IntraNodeKind = 'nvlink' | 'infinity_fabric' | 'pcie' | 'unified';

/** One GPU's links as its datasheet states them (GB/s, both directions together, as vendors quote them). */
export interface GpuLinks {
  /** NVLink (or AMD Infinity Fabric) per GPU, both directions; null = none. */
  peerGBs: number | null;
  peerKind: 'nvlink' | 'infinity_fabric' | null;
  /** true: NVLink bridges join pairs of cards only (a ring over more than two crosses PCIe). */
  pairsOnly: boolean;
  /** true: the board's NVLink/Infinity Fabric is how a node's GPUs talk by default (SXM/OAM, NVSwitch). */
  peerDefault: boolean;
  /** PCIe generation of the card's x16 host link (3, 4, 5). */
  pcieGen: 3 | 4 | 5;
  /** GPUs one NVLink domain spans (8 on an HGX board, 72 in a GB200 NVL72 rack). */
  nvlinkDomain: number;
  source: string;
}

const V100 = 'NVIDIA V100 datasheet: NVLink 300 GB/s (SXM2), PCIe Gen3 32 GB/s';
const A100 =
  'NVIDIA A100 datasheet (nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf): NVLink 600 GB/s (SXM; PCIe with the ' +
  'NVLink bridge for 2 GPUs), PCIe Gen4 64 GB/s';
const H100 =
  'NVIDIA H100 datasheet: SXM NVLink 900 GB/s, PCIe Gen5 128 GB/s; PCIe and NVL cards NVLink bridge 600 GB/s';
const H200 = 'NVIDIA H200 datasheet: NVLink 900 GB/s, PCIe Gen5 128 GB/s';
const BLACKWELL = 'NVIDIA HGX B200 / GB200 NVL72 datasheets: NVLink 5 1.8 TB/s per GPU (NVL72: 72-GPU NVLink domain)';
const AMD = 'AMD Instinct MI300X/MI325X datasheets: peak Infinity Fabric 896 GB/s (7 links × 128 GB/s), PCIe Gen5 x16';
const CARD = (what: string) => `${what} datasheet: PCIe x16 host link, no NVLink`;

/** Per catalog GPU id. A GPU not listed (a catalog addition, a custom GPU) is read as a PCIe Gen4 card. */
export const GPU_LINKS: Readonly<Record<string, GpuLinks>> = {
  t4: pcieCard(3, CARD('NVIDIA T4 (PCIe Gen3)')),
  'v100-sxm2-16gb': nvlinkBoard(300, 3, 8, V100),
  'v100-sxm2-32gb': nvlinkBoard(300, 3, 8, V100),
  'v100-pcie': pcieCard(3, V100),
  a10: pcieCard(4, CARD('NVIDIA A10 (PCIe Gen4 64 GB/s)')),
  a10g: pcieCard(4, CARD('NVIDIA A10G (AWS G5, PCIe Gen4)')),
  l4: pcieCard(4, CARD('NVIDIA L4 (PCIe Gen4 x16 64 GB/s)')),
  l40s: pcieCard(4, CARD('NVIDIA L40S (PCIe Gen4 x16 64 GB/s)')),
  'a100-40gb-sxm': nvlinkBoard(600, 4, 8, A100),
  'a100-80gb-sxm': nvlinkBoard(600, 4, 8, A100),
  'a100-40gb-pcie': bridgedCard(600, 4, A100),
  'a100-80gb-pcie': bridgedCard(600, 4, A100),
  'h100-sxm': nvlinkBoard(900, 5, 8, H100),
  'h100-pcie': bridgedCard(600, 5, H100),
  'h100-nvl': bridgedCard(600, 5, H100),
  h200: nvlinkBoard(900, 5, 8, H200),
  h20: nvlinkBoard(900, 5, 8, 'GPU catalog (gpus.json interconnect): NVLink 4 900 GB/s, PCIe Gen5'),
  b200: nvlinkBoard(1800, 5, 8, BLACKWELL),
  gb200: nvlinkBoard(1800, 5, 72, BLACKWELL),
  'rtx-3090': bridgedCard(112.5, 4, 'NVIDIA Ampere GA102 whitepaper: RTX 3090 NVLink bridge 112.5 GB/s, PCIe Gen4'),
  'rtx-a6000': bridgedCard(112.5, 4, 'NVIDIA RTX A6000 datasheet: NVLink 112.5 GB/s (bidirectional), PCIe Gen4'),
  'rtx-4090': pcieCard(4, CARD('NVIDIA GeForce RTX 4090 (PCIe Gen4)')),
  'rtx-6000-ada': pcieCard(4, 'GPU catalog (gpus.json interconnect): PCIe Gen4 x16; no NVLink'),
  'rtx-5090': pcieCard(5, 'GPU catalog (gpus.json interconnect): PCIe Gen5 x16; no NVLink'),
  'rtx-pro-6000-blackwell': pcieCard(5, 'GPU catalog (gpus.json interconnect): PCIe Gen5 x16; no NVLink'),
  mi300x: { ...nvlinkBoard(896, 5, 8, AMD), peerKind: 'infinity_fabric' },
  mi325x: { ...nvlinkBoard(896, 5, 8, AMD), peerKind: 'infinity_fabric' },
};

function pcieCard(pcieGen: GpuLinks['pcieGen'], source: string): GpuLinks {
  return { peerGBs: null, peerKind: null, pairsOnly: false, peerDefault: false, pcieGen, nvlinkDomain: 1, source };
}
function bridgedCard(peerGBs: number, pcieGen: GpuLinks['pcieGen'], source: string): GpuLinks {
  return { peerGBs, peerKind: 'nvlink', pairsOnly: true, peerDefault: false, pcieGen, nvlinkDomain: 2, source };
}
function nvlinkBoard(peerGBs: number, pcieGen: GpuLinks['pcieGen'], domain: number, source: string): GpuLinks {
  return { peerGBs, peerKind: 'nvlink', pairsOnly: false, peerDefault: true, pcieGen, nvlinkDomain: domain, source };
}

/**
 * PCIe x16, both directions (PCI-SIG base specifications: 8 / 16 / 32 GT/s per lane, 128b/130b encoding → 15.75 /
 * 31.5 / 63 GB/s per direction; vendors round to 32 / 64 / 128 GB/s both ways).
 */
export const PCIE_X16_GBS: Record<GpuLinks['pcieGen'], number> = { 3: 31.5, 4: 63, 5: 126 };

/** Network adapters between nodes: line rate per adapter (Gb/s) and its source. */
export const INTER_NODE: Record<
  Exclude<Hardware['interNode'], 'nvlink'>,
  { label: string; gbits: number; source: string }
> = {
  infiniband_400: {
    label: 'InfiniBand NDR 400 Gb/s',
    gbits: 400,
    source: 'NVIDIA ConnectX-7 datasheet (NDR 400 Gb/s per port)',
  },
  infiniband_200: {
    label: 'InfiniBand HDR 200 Gb/s',
    gbits: 200,
    source: 'NVIDIA ConnectX-6 datasheet (HDR 200 Gb/s per port)',
  },
  infiniband_100: {
    label: 'InfiniBand EDR 100 Gb/s',
    gbits: 100,
    source: 'NVIDIA ConnectX-5 datasheet (EDR 100 Gb/s per port)',
  },
  ethernet_100: { label: '100 Gb Ethernet', gbits: 100, source: 'IEEE 802.3 (100GBASE)' },
  ethernet_25: { label: '25 Gb Ethernet', gbits: 25, source: 'IEEE 802.3by (25GBASE)' },
};

/**
 * The share of a link's one-direction rate that a ring collective reaches as nccl-tests bus bandwidth: protocol
 * headers, synchronisation and the reduction kernels keep it below the line rate. An engineering assumption (no
 * source pins it for a given system; format 3 assumed 80 % of PCIe), listed in the explanation; recorded runs
 * calibrate it.
 */
export const COLLECTIVE_EFFICIENCY = 0.8;

export interface Interconnect {
  /** The link inside a node and its ring bus bandwidth (GB/s, one direction, after COLLECTIVE_EFFICIENCY). */
  intra: { kind: IntraNodeKind; label: string; busGBs: number; source: string };
  /** Between nodes (null on one node): per-node adapters and the bus bandwidth of a ring that spans nodes. */
  inter: { label: string; busGBs: number; nodeGBs: number; source: string } | null;
  /** Host ↔ GPU for offload (one direction, after COLLECTIVE_EFFICIENCY's share: a DMA copy's overheads). */
  hostGBs: number;
  hostLabel: string;
}

export type InterconnectChoice = Pick<Hardware, 'intraNode' | 'interNode' | 'nicsPerNode'>;
/** What a plan without interconnect fields gets (the schema's defaults). */
export const DEFAULT_INTERCONNECT: InterconnectChoice = {
  intraNode: null,
  interNode: 'infiniband_200',
  nicsPerNode: 1,
};

export function gpuLinks(gpu: Pick<ResolvedGpu, 'id' | 'tier'>): GpuLinks | null {
  if (gpu.tier === 'apple') return null;
  return GPU_LINKS[gpu.id] ?? pcieCard(4, 'not in the interconnect table: read as a PCIe Gen4 x16 card (assumption)');
}

export function resolveInterconnect(
  gpu: Pick<ResolvedGpu, 'id' | 'name' | 'tier' | 'bandwidthGBs'>,
  choice: InterconnectChoice,
  distribution: Pick<Distribution, 'gpusPerNode' | 'nodes'>,
): Interconnect {
  const links = gpuLinks(gpu);
  if (!links) {
    // Apple silicon: one GPU in unified memory; "offload" stays in the same memory.
    const busGBs = gpu.bandwidthGBs * COLLECTIVE_EFFICIENCY;
    return {
      intra: { kind: 'unified', label: 'unified memory', busGBs, source: 'GPU catalog memory bandwidth' },
      inter: null,
      hostGBs: busGBs,
      hostLabel: 'unified memory',
    };
  }
  const pcieOneWay = PCIE_X16_GBS[links.pcieGen] / 2;
  const pcie = {
    kind: 'pcie' as const,
    label: `PCIe Gen${links.pcieGen} x16`,
    busGBs: pcieOneWay * COLLECTIVE_EFFICIENCY,
    source: `${links.source}; PCI-SIG PCIe ${links.pcieGen}.0 x16 ${pcieOneWay} GB/s per direction`,
  };
  const wantPeer = choice.intraNode === 'nvlink' || (choice.intraNode === null && links.peerDefault);
  if (choice.intraNode === 'nvlink' && links.peerGBs === null)
    throw new EstimateInputError(
      'hardware.intraNode',
      `${gpu.name} has no NVLink; choose PCIe, or leave it empty to use what the GPU has`,
    );
  let intra: Interconnect['intra'] = pcie;
  if (wantPeer && links.peerGBs !== null && !(links.pairsOnly && distribution.gpusPerNode > 2)) {
    const kind = links.peerKind ?? 'nvlink';
    const name = kind === 'nvlink' ? 'NVLink' : 'Infinity Fabric';
    intra = {
      kind,
      label: `${name} ${links.peerGBs} GB/s${links.pairsOnly ? ' bridge' : ''}`,
      busGBs: (links.peerGBs / 2) * COLLECTIVE_EFFICIENCY,
      source: links.source,
    };
  }
  let inter: Interconnect['inter'] = null;
  if (distribution.nodes > 1) {
    if (choice.interNode === 'nvlink') {
      if (links.peerKind !== 'nvlink' || links.nvlinkDomain < distribution.gpusPerNode * distribution.nodes)
        throw new EstimateInputError(
          'hardware.interNode',
          `an NVLink domain of ${distribution.gpusPerNode * distribution.nodes} GPUs needs GB200 NVL72-class ` +
            `hardware (${gpu.name} spans ${links.nvlinkDomain}); pick InfiniBand or Ethernet`,
        );
      inter = {
        label: `NVLink domain of ${links.nvlinkDomain} GPUs`,
        busGBs: intra.busGBs,
        nodeGBs: intra.busGBs * distribution.gpusPerNode,
        source: links.source,
      };
    } else {
      const net = INTER_NODE[choice.interNode];
      const nics = choice.nicsPerNode ?? distribution.gpusPerNode;
      const nodeGBs = (nics * net.gbits) / 8;
      inter = {
        label: `${nics} × ${net.label} per node`,
        busGBs: Math.min(intra.busGBs, nodeGBs * COLLECTIVE_EFFICIENCY),
        nodeGBs: nodeGBs * COLLECTIVE_EFFICIENCY,
        source: `${net.source}; ring over nodes: min(GPU link, adapters × rate), nccl-tests doc/PERFORMANCE.md`,
      };
    }
  }
  return { intra, inter, hostGBs: pcie.busGBs, hostLabel: pcie.label };
}

/** Ring bus-bandwidth factors per collective (NVIDIA/nccl-tests doc/PERFORMANCE.md, "Summary"). */
export const BUS_FACTOR = {
  allReduce: (n: number) => (2 * (n - 1)) / n,
  reduceScatter: (n: number) => (n - 1) / n,
  allGather: (n: number) => (n - 1) / n,
} as const;

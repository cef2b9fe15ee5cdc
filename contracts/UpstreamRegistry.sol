// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title UpstreamRegistry
/// @notice Datanets (named corpora many people add records to), their contributions (a Merkle root of
/// record hashes, anchored in on-chain order), and models (owner, backend, datanets, price, split).
/// Publishing a datanet or a model posts a stake in the payment token; a stake can be withdrawn only
/// after an unstake delay, during which a dispute can still slash it. A slash is proposed, public for
/// SLASH_DELAY, then executed; the admin (two-step transfer) never holds the dispute role.
contract UpstreamRegistry is AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role allowed to propose and execute slashes; never held by the admin.
    bytes32 public constant DISPUTE_ROLE = keccak256("DISPUTE_ROLE");
    /// @notice Seconds between a slash proposal and its execution: the staker sees it coming.
    uint64 public constant SLASH_DELAY = 3 days;
    /// @notice Seconds after SLASH_DELAY in which a proposed slash can be executed; then it lapses.
    uint64 public constant SLASH_WINDOW = 7 days;
    /// @notice 100% in basis points.
    uint16 public constant BPS = 10_000;
    /// @notice Highest owner share: BPS minus the market's MAX_FEE_BPS (1 000), so an owner share
    /// plus any fee the market can charge never exceeds the price (the split always exists, and no
    /// inference can be refused for its terms after its answer started).
    uint16 public constant MAX_OWNER_BPS = 9_000;
    /// @notice Longest unstake delay the admin may set.
    uint64 public constant MAX_UNSTAKE_DELAY = 90 days;
    /// @notice Most datanets one model may draw on.
    uint256 public constant MAX_MODEL_DATANETS = 32;

    /// @notice What a stake is posted for.
    enum Subject {
        Datanet,
        Model
    }

    /// @notice A model's lifecycle: Active serves inferences, Paused does not for now, Retired for good
    /// (after an unstake request or a slash).
    enum ModelStatus {
        Active,
        Paused,
        Retired
    }

    /// @notice A datanet as stored.
    struct Datanet {
        address owner;
        bool active;
        uint64 contributionCount;
        string metadataURI;
        string license;
    }

    /// @notice A contribution as stored. Record ids `firstRecordId .. firstRecordId + recordCount - 1`
    /// are global and follow on-chain order, so "who published first" is a comparison of ids.
    struct Contribution {
        uint64 datanetId;
        uint32 recordCount;
        address contributor;
        uint64 firstRecordId;
        uint64 blockNumber;
        bytes32 merkleRoot;
    }

    /// @notice A model as stored. `ownerBps` of each price goes to the owner, the rest to the data pool.
    struct Model {
        address owner;
        ModelStatus status;
        uint16 ownerBps;
        uint64 version;
        uint128 pricePerCall;
        string metadataURI;
        string backendId;
        uint256[] datanetIds;
    }

    /// @notice A posted stake.
    struct Stake {
        address staker;
        uint64 unlockAt;
        uint256 amount;
    }

    /// @notice A proposed slash; `treasury` is fixed at proposal, so changing it redirects nothing pending.
    struct PendingSlash {
        uint256 amount;
        bytes32 reason;
        address treasury;
        uint64 executableAt;
    }

    /// @notice The payment token stakes are posted in.
    IERC20 public immutable token;
    /// @notice Receiver of slashed stakes.
    address public treasury;
    /// @notice Minimum stake to publish a datanet.
    uint256 public minDatanetStake;
    /// @notice Minimum stake to publish a model.
    uint256 public minModelStake;
    /// @notice Seconds between an unstake request and the withdrawal of the stake.
    uint64 public unstakeDelay;

    /// @notice Number of datanets published; ids run from 1.
    uint256 public datanetCount;
    /// @notice Number of contributions added; ids run from 1 in on-chain order.
    uint256 public contributionCount;
    /// @notice Number of models published; ids run from 1.
    uint256 public modelCount;
    /// @notice Number of records anchored; record ids run from 1 in on-chain order.
    uint256 public recordCount;

    mapping(uint256 => Datanet) private _datanets;
    mapping(uint256 => Contribution) private _contributions;
    mapping(uint256 => Model) private _models;
    mapping(Subject => mapping(uint256 => Stake)) private _stakes;
    mapping(Subject => mapping(uint256 => PendingSlash)) private _pendingSlashes;

    /// @notice A stake is below the required minimum.
    error StakeTooLow(uint256 stake, uint256 minimum);
    /// @notice No datanet has this id.
    error UnknownDatanet(uint256 datanetId);
    /// @notice The datanet no longer takes contributions or new models (unstaking or slashed).
    error DatanetNotActive(uint256 datanetId);
    /// @notice No model has this id.
    error UnknownModel(uint256 modelId);
    /// @notice The model is retired and cannot be updated.
    error ModelIsRetired(uint256 modelId);
    /// @notice The caller is not the owner of this datanet or model.
    error NotOwner(address caller);
    /// @notice A contribution must anchor at least one record under a non-zero Merkle root.
    error EmptyContribution();
    /// @notice An owner share above MAX_OWNER_BPS (with the protocol fee, more than 100%).
    error InvalidSplit(uint16 ownerBps);
    /// @notice A model's price must be positive.
    error ZeroPrice();
    /// @notice A model must draw on 1..MAX_MODEL_DATANETS distinct datanets.
    error InvalidDatanetList();
    /// @notice updateModel may only set Active or Paused; Retired comes from unstaking or a slash.
    error InvalidStatus();
    /// @notice An unstake was already requested for this stake.
    error AlreadyUnstaking();
    /// @notice The stake cannot be withdrawn yet (or no unstake was requested: unlockAt is 0).
    error StakeLocked(uint64 unlockAt);
    /// @notice Nothing is staked here.
    error NoStake();
    /// @notice A slash of more than the stake.
    error SlashTooLarge(uint256 amount, uint256 stake);
    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice The admin may not hold the dispute role, nor the dispute role's holder the admin's.
    error AdminMayNotDispute(address account);
    /// @notice A slash is pending on this stake (withdrawal and a second proposal wait for it).
    error SlashPending(uint64 executableAt);
    /// @notice The proposed slash cannot be executed before executableAt.
    error SlashNotReady(uint64 executableAt);
    /// @notice No slash is pending on this stake (none proposed, executed, cancelled or lapsed).
    error NoPendingSlash();
    /// @notice An unstake delay above MAX_UNSTAKE_DELAY.
    error DelayTooLong(uint64 delay);
    /// @notice A metadata URI must not be empty.
    error EmptyMetadata();

    /// @notice A datanet was published with a stake.
    event DatanetPublished(
        uint256 indexed datanetId, address indexed owner, string metadataURI, string license, uint256 stake
    );
    /// @notice Records were anchored in a datanet. Record ids firstRecordId .. firstRecordId + recordCount - 1.
    event ContributionAdded(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 merkleRoot,
        uint256 recordCount,
        uint256 firstRecordId
    );
    /// @notice A model was published (version 1).
    event ModelPublished(
        uint256 indexed modelId,
        address indexed owner,
        string metadataURI,
        string backendId,
        uint256[] datanetIds,
        uint256 pricePerCall,
        uint16 ownerBps,
        uint256 stake
    );
    /// @notice A model's price, split or status changed; each change has a new version.
    event ModelUpdated(
        uint256 indexed modelId, uint64 version, uint256 pricePerCall, uint16 ownerBps, ModelStatus status
    );
    /// @notice A datanet stopped taking contributions (unstake requested or slashed).
    event DatanetClosed(uint256 indexed datanetId);
    /// @notice An unstake was requested; the stake can be withdrawn from unlockAt.
    event UnstakeRequested(Subject indexed subject, uint256 indexed id, address indexed staker, uint256 amount, uint64 unlockAt);
    /// @notice A stake was paid back to its staker.
    event StakeWithdrawn(Subject indexed subject, uint256 indexed id, address indexed staker, uint256 amount);
    /// @notice A slash was proposed; it can be executed from executableAt (the staker's warning).
    event SlashProposed(
        Subject indexed subject, uint256 indexed id, uint256 amount, bytes32 reason, address treasury, uint64 executableAt
    );
    /// @notice A proposed slash was cancelled (by the dispute role or the admin).
    event SlashCancelled(Subject indexed subject, uint256 indexed id);
    /// @notice A stake was slashed to the treasury after a dispute.
    event Slashed(Subject indexed subject, uint256 indexed id, uint256 amount, bytes32 reason, address treasury);
    /// @notice The minimum stakes changed.
    event MinimumStakesSet(uint256 minDatanetStake, uint256 minModelStake);
    /// @notice The unstake delay changed.
    event UnstakeDelaySet(uint64 delay);
    /// @notice The treasury changed.
    event TreasurySet(address treasury);

    /// @param token_ The payment token stakes are posted in.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (transferred in two steps after `adminDelay`).
    /// @param disputer Holder of DISPUTE_ROLE, not the admin; zero for nobody (the admin may grant it later).
    /// @param adminDelay Seconds a started admin transfer waits before it can be accepted.
    /// @param treasury_ Receiver of slashed stakes.
    /// @param minDatanetStake_ Minimum stake to publish a datanet.
    /// @param minModelStake_ Minimum stake to publish a model.
    /// @param unstakeDelay_ Seconds between an unstake request and the withdrawal.
    constructor(
        IERC20 token_,
        address admin,
        address disputer,
        uint48 adminDelay,
        address treasury_,
        uint256 minDatanetStake_,
        uint256 minModelStake_,
        uint64 unstakeDelay_
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (unstakeDelay_ > MAX_UNSTAKE_DELAY) revert DelayTooLong(unstakeDelay_);
        token = token_;
        treasury = treasury_;
        minDatanetStake = minDatanetStake_;
        minModelStake = minModelStake_;
        unstakeDelay = unstakeDelay_;
        if (disputer != address(0)) _grantRole(DISPUTE_ROLE, disputer);
        emit TreasurySet(treasury_);
        emit MinimumStakesSet(minDatanetStake_, minModelStake_);
        emit UnstakeDelaySet(unstakeDelay_);
    }

    // ---------------------------------------------------------------- datanets and contributions

    /// @notice Publishes a datanet owned by the caller, pulling `stake` tokens (approve first).
    /// @param metadataURI Where the datanet's card lives (name, description).
    /// @param license The license its records are published under.
    /// @param stake Tokens to stake; at least minDatanetStake.
    /// @return datanetId The new datanet's id.
    function publishDatanet(string calldata metadataURI, string calldata license, uint256 stake)
        external
        nonReentrant
        returns (uint256 datanetId)
    {
        if (bytes(metadataURI).length == 0) revert EmptyMetadata();
        if (stake < minDatanetStake) revert StakeTooLow(stake, minDatanetStake);
        datanetId = ++datanetCount;
        Datanet storage d = _datanets[datanetId];
        d.owner = msg.sender;
        d.active = true;
        d.metadataURI = metadataURI;
        d.license = license;
        _stakes[Subject.Datanet][datanetId] = Stake({staker: msg.sender, unlockAt: 0, amount: stake});
        emit DatanetPublished(datanetId, msg.sender, metadataURI, license, stake);
        token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice Anchors a contribution of `recordCount` records to an active datanet; the caller is the
    /// contributor. Ids follow on-chain order, so the first publisher of a record is provable.
    /// @param datanetId The datanet to contribute to.
    /// @param merkleRoot Merkle root of the contribution's record hashes.
    /// @param records Number of records under the root.
    /// @return contributionId The new contribution's id.
    function addContribution(uint256 datanetId, bytes32 merkleRoot, uint32 records)
        external
        returns (uint256 contributionId)
    {
        Datanet storage d = _datanets[datanetId];
        if (d.owner == address(0)) revert UnknownDatanet(datanetId);
        if (!d.active) revert DatanetNotActive(datanetId);
        if (merkleRoot == bytes32(0) || records == 0) revert EmptyContribution();
        contributionId = ++contributionCount;
        uint256 firstRecordId = recordCount + 1;
        recordCount += records;
        d.contributionCount += 1;
        _contributions[contributionId] = Contribution({
            datanetId: uint64(datanetId),
            recordCount: records,
            contributor: msg.sender,
            firstRecordId: uint64(firstRecordId),
            blockNumber: uint64(block.number),
            merkleRoot: merkleRoot
        });
        emit ContributionAdded(contributionId, datanetId, msg.sender, merkleRoot, records, firstRecordId);
    }

    // ---------------------------------------------------------------- models

    /// @notice Publishes a model owned by the caller, pulling `stake` tokens (approve first).
    /// @param metadataURI Where the model card lives.
    /// @param backendId Which inference backend serves it (e.g. "builtin:ngram", "openai:llama3").
    /// @param datanetIds The datanets it draws on (1..32, distinct, each published and active).
    /// @param pricePerCall Price of one inference in token units.
    /// @param ownerBps Share of each price for the owner in basis points, at most MAX_OWNER_BPS; the rest goes to the data pool.
    /// @param stake Tokens to stake; at least minModelStake.
    /// @return modelId The new model's id.
    function publishModel(
        string calldata metadataURI,
        string calldata backendId,
        uint256[] calldata datanetIds,
        uint128 pricePerCall,
        uint16 ownerBps,
        uint256 stake
    ) external nonReentrant returns (uint256 modelId) {
        if (bytes(metadataURI).length == 0) revert EmptyMetadata();
        if (stake < minModelStake) revert StakeTooLow(stake, minModelStake);
        _checkTerms(pricePerCall, ownerBps);
        _checkDatanets(datanetIds);
        modelId = ++modelCount;
        Model storage m = _models[modelId];
        m.owner = msg.sender;
        m.status = ModelStatus.Active;
        m.ownerBps = ownerBps;
        m.version = 1;
        m.pricePerCall = pricePerCall;
        m.metadataURI = metadataURI;
        m.backendId = backendId;
        m.datanetIds = datanetIds;
        _stakes[Subject.Model][modelId] = Stake({staker: msg.sender, unlockAt: 0, amount: stake});
        emit ModelPublished(modelId, msg.sender, metadataURI, backendId, datanetIds, pricePerCall, ownerBps, stake);
        token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice Changes a model's price, split and status (Active or Paused); bumps its version.
    /// @param modelId The model to update; the caller must own it.
    /// @param pricePerCall New price of one inference in token units.
    /// @param ownerBps New owner share in basis points, at most MAX_OWNER_BPS.
    /// @param status Active or Paused.
    /// @return version The model's new version.
    function updateModel(uint256 modelId, uint128 pricePerCall, uint16 ownerBps, ModelStatus status)
        external
        returns (uint64 version)
    {
        Model storage m = _models[modelId];
        if (m.owner == address(0)) revert UnknownModel(modelId);
        if (m.owner != msg.sender) revert NotOwner(msg.sender);
        if (m.status == ModelStatus.Retired) revert ModelIsRetired(modelId);
        if (status == ModelStatus.Retired) revert InvalidStatus();
        _checkTerms(pricePerCall, ownerBps);
        version = m.version + 1;
        m.version = version;
        m.pricePerCall = pricePerCall;
        m.ownerBps = ownerBps;
        m.status = status;
        emit ModelUpdated(modelId, version, pricePerCall, ownerBps, status);
    }

    function _checkTerms(uint128 pricePerCall, uint16 ownerBps) private pure {
        if (pricePerCall == 0) revert ZeroPrice();
        if (ownerBps > MAX_OWNER_BPS) revert InvalidSplit(ownerBps);
    }

    function _checkDatanets(uint256[] calldata datanetIds) private view {
        uint256 n = datanetIds.length;
        if (n == 0 || n > MAX_MODEL_DATANETS) revert InvalidDatanetList();
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = datanetIds[i];
            Datanet storage d = _datanets[id];
            if (d.owner == address(0)) revert UnknownDatanet(id);
            // A closed datanet (unstaking or slashed) takes no new model, as it takes no new records.
            if (!d.active) revert DatanetNotActive(id);
            for (uint256 j = 0; j < i; ++j) {
                if (datanetIds[j] == id) revert InvalidDatanetList();
            }
        }
    }

    // ---------------------------------------------------------------- stakes

    /// @notice Starts the unstake delay for a datanet's or model's stake; the datanet closes to new
    /// contributions, the model is retired. Only the staker may call.
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    function requestUnstake(Subject subject, uint256 id) external {
        Stake storage s = _stakes[subject][id];
        if (s.staker == address(0)) revert NoStake();
        if (s.staker != msg.sender) revert NotOwner(msg.sender);
        if (s.unlockAt != 0) revert AlreadyUnstaking();
        uint64 unlockAt = uint64(block.timestamp) + unstakeDelay;
        s.unlockAt = unlockAt;
        _retire(subject, id);
        emit UnstakeRequested(subject, id, msg.sender, s.amount, unlockAt);
    }

    /// @notice Pays a stake back to its staker once the unstake delay has passed.
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    function withdrawStake(Subject subject, uint256 id) external nonReentrant {
        Stake storage s = _stakes[subject][id];
        if (s.staker == address(0)) revert NoStake();
        if (s.staker != msg.sender) revert NotOwner(msg.sender);
        if (s.unlockAt == 0 || block.timestamp < s.unlockAt) revert StakeLocked(s.unlockAt);
        PendingSlash storage p = _pendingSlashes[subject][id];
        if (_isPending(p)) revert SlashPending(p.executableAt);
        uint256 amount = s.amount;
        if (amount == 0) revert NoStake();
        s.amount = 0;
        emit StakeWithdrawn(subject, id, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Proposes slashing `amount` of a stake to the current treasury; it can be executed after
    /// SLASH_DELAY. Until it is executed, cancelled or lapses, the stake cannot be withdrawn (a pending
    /// slash is not escaped by leaving) and the subject keeps running. Dispute role only.
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    /// @param amount Tokens to slash; at most the stake.
    /// @param reason A reference to the dispute (e.g. hash of its evidence).
    function proposeSlash(Subject subject, uint256 id, uint256 amount, bytes32 reason) external onlyRole(DISPUTE_ROLE) {
        Stake storage s = _stakes[subject][id];
        if (s.staker == address(0)) revert NoStake();
        if (amount == 0 || amount > s.amount) revert SlashTooLarge(amount, s.amount);
        PendingSlash storage p = _pendingSlashes[subject][id];
        if (_isPending(p)) revert SlashPending(p.executableAt);
        uint64 executableAt = uint64(block.timestamp) + SLASH_DELAY;
        address to = treasury;
        _pendingSlashes[subject][id] = PendingSlash(amount, reason, to, executableAt);
        emit SlashProposed(subject, id, amount, reason, to, executableAt);
    }

    /// @notice Executes a proposed slash once SLASH_DELAY has passed (within SLASH_WINDOW): the amount
    /// goes to the treasury named at proposal and the subject is retired. Works during the unstake
    /// delay too: that is what the delay is for. Dispute role only.
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    function executeSlash(Subject subject, uint256 id) external onlyRole(DISPUTE_ROLE) nonReentrant {
        PendingSlash memory p = _pendingSlashes[subject][id];
        if (!_isPending(_pendingSlashes[subject][id])) revert NoPendingSlash();
        if (block.timestamp < p.executableAt) revert SlashNotReady(p.executableAt);
        delete _pendingSlashes[subject][id];
        _stakes[subject][id].amount -= p.amount;
        _retire(subject, id);
        emit Slashed(subject, id, p.amount, p.reason, p.treasury);
        token.safeTransfer(p.treasury, p.amount);
    }

    /// @notice Cancels a pending slash. The dispute role or the admin: the admin can stop a slash, never make one.
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    function cancelSlash(Subject subject, uint256 id) external {
        if (!hasRole(DISPUTE_ROLE, msg.sender) && msg.sender != defaultAdmin()) {
            revert AccessControlUnauthorizedAccount(msg.sender, DISPUTE_ROLE);
        }
        if (!_isPending(_pendingSlashes[subject][id])) revert NoPendingSlash();
        delete _pendingSlashes[subject][id];
        emit SlashCancelled(subject, id);
    }

    function _isPending(PendingSlash storage p) private view returns (bool) {
        return p.executableAt != 0 && block.timestamp <= uint256(p.executableAt) + SLASH_WINDOW;
    }

    /// @dev Keeps the roles apart: the admin never holds DISPUTE_ROLE, a disputer never becomes admin.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role == DISPUTE_ROLE && account == defaultAdmin()) revert AdminMayNotDispute(account);
        if (role == DEFAULT_ADMIN_ROLE && hasRole(DISPUTE_ROLE, account)) revert AdminMayNotDispute(account);
        return super._grantRole(role, account);
    }

    function _retire(Subject subject, uint256 id) private {
        if (subject == Subject.Datanet) {
            Datanet storage d = _datanets[id];
            if (d.active) {
                d.active = false;
                emit DatanetClosed(id);
            }
        } else {
            Model storage m = _models[id];
            if (m.status != ModelStatus.Retired) {
                uint64 version = m.version + 1;
                m.version = version;
                m.status = ModelStatus.Retired;
                emit ModelUpdated(id, version, m.pricePerCall, m.ownerBps, ModelStatus.Retired);
            }
        }
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets the minimum stakes for new datanets and models. Admin only.
    /// @param datanetMinimum Minimum stake for a datanet.
    /// @param modelMinimum Minimum stake for a model.
    function setMinimumStakes(uint256 datanetMinimum, uint256 modelMinimum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        minDatanetStake = datanetMinimum;
        minModelStake = modelMinimum;
        emit MinimumStakesSet(datanetMinimum, modelMinimum);
    }

    /// @notice Sets the unstake delay for future unstake requests. Admin only.
    /// @param delay Seconds, at most MAX_UNSTAKE_DELAY.
    function setUnstakeDelay(uint64 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay > MAX_UNSTAKE_DELAY) revert DelayTooLong(delay);
        unstakeDelay = delay;
        emit UnstakeDelaySet(delay);
    }

    /// @notice Sets the receiver of future slashes (announced by TreasurySet; a pending slash keeps the
    /// treasury named in its proposal). Admin only.
    /// @param treasury_ The new treasury.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    // ---------------------------------------------------------------- views

    /// @notice A datanet by id (owner is the zero address if unknown).
    /// @param datanetId The datanet id.
    /// @return The datanet.
    function getDatanet(uint256 datanetId) external view returns (Datanet memory) {
        return _datanets[datanetId];
    }

    /// @notice A contribution by id (contributor is the zero address if unknown).
    /// @param contributionId The contribution id.
    /// @return The contribution.
    function getContribution(uint256 contributionId) external view returns (Contribution memory) {
        return _contributions[contributionId];
    }

    /// @notice A model by id (owner is the zero address if unknown).
    /// @param modelId The model id.
    /// @return The model.
    function getModel(uint256 modelId) external view returns (Model memory) {
        return _models[modelId];
    }

    /// @notice The slash pending on a stake (executableAt is 0 if none was proposed; a proposal lapses
    /// SLASH_WINDOW after executableAt).
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    /// @return The proposal.
    function getPendingSlash(Subject subject, uint256 id) external view returns (PendingSlash memory) {
        return _pendingSlashes[subject][id];
    }

    /// @notice The stake posted for a datanet or model.
    /// @param subject Datanet or Model.
    /// @param id The datanet or model id.
    /// @return The stake.
    function getStake(Subject subject, uint256 id) external view returns (Stake memory) {
        return _stakes[subject][id];
    }
}

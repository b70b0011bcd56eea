export {
  ciliumConditions,
  createCiliumEntityConditionalDecision,
  decideCiliumPermission,
  DEFAULT_CILIUM_REVIEWER_GROUPS,
  isCiliumReviewer,
  readCiliumReviewerGroups,
} from './policy';
